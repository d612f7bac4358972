build-san/viewer/cmd_view.o: viewer/cmd_view.c viewer/render.h \
 viewer/model.h viewer/viewer.h include/socklens/wire.h
viewer/render.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

build/viewer/cmd_collect.o: viewer/cmd_collect.c viewer/render.h \
 viewer/model.h viewer/viewer.h include/socklens/wire.h
viewer/render.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

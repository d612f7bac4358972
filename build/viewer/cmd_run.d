build/viewer/cmd_run.o: viewer/cmd_run.c viewer/render.h viewer/model.h \
 viewer/viewer.h include/socklens/wire.h
viewer/render.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

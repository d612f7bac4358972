build-san/viewer/cmd_run.o: viewer/cmd_run.c preload/policy.h \
 viewer/render.h viewer/model.h viewer/viewer.h include/socklens/wire.h
preload/policy.h:
viewer/render.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

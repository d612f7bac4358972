build/viewer/cmd_run.o: viewer/cmd_run.c viewer/elfinfo.h \
 preload/policy.h viewer/render.h viewer/model.h viewer/viewer.h \
 include/socklens/wire.h
viewer/elfinfo.h:
preload/policy.h:
viewer/render.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

build-san/viewer/cmd_export.o: viewer/cmd_export.c preload/policy.h \
 viewer/render.h viewer/model.h viewer/viewer.h include/socklens/wire.h
preload/policy.h:
viewer/render.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

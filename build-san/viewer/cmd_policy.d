build-san/viewer/cmd_policy.o: viewer/cmd_policy.c preload/policy.h \
 viewer/viewer.h include/socklens/wire.h
preload/policy.h:
viewer/viewer.h:
include/socklens/wire.h:

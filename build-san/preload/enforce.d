build-san/preload/enforce.o: preload/enforce.c preload/policy.h \
 preload/preload.h include/socklens/wire.h
preload/policy.h:
preload/preload.h:
include/socklens/wire.h:

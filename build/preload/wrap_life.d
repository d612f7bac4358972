build/preload/wrap_life.o: preload/wrap_life.c preload/policy.h \
 preload/preload.h include/socklens/wire.h
preload/policy.h:
preload/preload.h:
include/socklens/wire.h:

build/preload/wrap_life.o: preload/wrap_life.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:

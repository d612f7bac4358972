build/preload/wrap_wait.o: preload/wrap_wait.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:

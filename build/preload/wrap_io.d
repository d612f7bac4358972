build/preload/wrap_io.o: preload/wrap_io.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:

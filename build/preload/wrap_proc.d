build/preload/wrap_proc.o: preload/wrap_proc.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:

build/preload/wrap_fd.o: preload/wrap_fd.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:

build/preload/wrap_opt.o: preload/wrap_opt.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:

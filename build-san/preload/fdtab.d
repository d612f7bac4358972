build-san/preload/fdtab.o: preload/fdtab.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:

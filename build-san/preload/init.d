build-san/preload/init.o: preload/init.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:

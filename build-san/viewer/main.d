build-san/viewer/main.o: viewer/main.c viewer/viewer.h \
 include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:

build-san/viewer/wire_check.o: viewer/wire_check.c viewer/viewer.h \
 include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:

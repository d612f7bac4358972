build-san/viewer/reorder.o: viewer/reorder.c viewer/reorder.h \
 viewer/viewer.h include/socklens/wire.h
viewer/reorder.h:
viewer/viewer.h:
include/socklens/wire.h:

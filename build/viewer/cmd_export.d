build/viewer/cmd_export.o: viewer/cmd_export.c viewer/model.h \
 viewer/viewer.h include/socklens/wire.h
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

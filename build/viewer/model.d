build/viewer/model.o: viewer/model.c viewer/elfinfo.h viewer/hash.h \
 viewer/model.h viewer/viewer.h include/socklens/wire.h \
 viewer/model_int.h viewer/reorder.h
viewer/elfinfo.h:
viewer/hash.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:
viewer/model_int.h:
viewer/reorder.h:

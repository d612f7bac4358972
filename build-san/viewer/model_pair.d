build-san/viewer/model_pair.o: viewer/model_pair.c viewer/hash.h \
 viewer/model_int.h viewer/model.h viewer/viewer.h \
 include/socklens/wire.h
viewer/hash.h:
viewer/model_int.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

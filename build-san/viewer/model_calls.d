build-san/viewer/model_calls.o: viewer/model_calls.c viewer/model_int.h \
 viewer/model.h viewer/viewer.h include/socklens/wire.h
viewer/model_int.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

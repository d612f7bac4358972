build-san/viewer/model_epoll.o: viewer/model_epoll.c viewer/hash.h \
 viewer/model_int.h viewer/model.h viewer/viewer.h \
 include/socklens/wire.h
viewer/hash.h:
viewer/model_int.h:
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:

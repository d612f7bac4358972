build-san/viewer/policy_view.o: viewer/policy_view.c viewer/model.h \
 viewer/viewer.h include/socklens/wire.h preload/policy.h viewer/render.h
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:
preload/policy.h:
viewer/render.h:

build-san/preload/policy_parse.o: preload/policy_parse.c preload/policy.h
preload/policy.h:

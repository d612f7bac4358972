build-san/preload/policy_match.o: preload/policy_match.c preload/policy.h
preload/policy.h:

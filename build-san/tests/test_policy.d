build-san/tests/test_policy: tests/unit/test_policy.c preload/policy.h
preload/policy.h:

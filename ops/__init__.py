"""Operations scripts run from the command line (`make backup`, `make restore`)."""

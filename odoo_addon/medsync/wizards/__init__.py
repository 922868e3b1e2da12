from . import medsync_exception_close

from . import medsync_exception_close
from . import medsync_hold_release

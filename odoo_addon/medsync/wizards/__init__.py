from . import medsync_exception_close
from . import medsync_hold_release
from . import medsync_snapshot_import
from . import medsync_vendor_merge
from . import medsync_dedupe_model_reset

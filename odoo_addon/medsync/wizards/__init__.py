from . import medsync_exception_close
from . import medsync_hold_release
from . import medsync_message_operation
from . import medsync_snapshot_import
from . import medsync_system_key
from . import medsync_system_key_show
from . import medsync_vendor_merge
from . import medsync_vendor_merge_line

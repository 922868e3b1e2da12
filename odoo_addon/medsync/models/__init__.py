from . import medsync_run
from . import medsync_team
from . import medsync_exception_reason
from . import medsync_exception
from . import res_company
from . import res_config_settings

from . import models
from . import services
from . import wizards
from . import controllers


def _post_init_hook(env):
    # the tombstone triggers of the extracted tables created after the tombstone model's own init()
    models.medsync_extract.install_triggers(env.cr)


def _uninstall_hook(env):
    # the triggers call a function writing to a table the uninstall drops
    models.medsync_extract.uninstall_triggers(env.cr)

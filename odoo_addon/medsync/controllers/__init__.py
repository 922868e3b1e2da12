from . import api
from . import node

from . import engine
from . import matching

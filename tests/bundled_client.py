"""The committed generated client (generated/client), importable, and the wire paths its
operations use on the bundled specs: shared by the client tests that talk to a loopback
server. Importing this module puts the client on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

CLIENT_DIR = Path(__file__).resolve().parents[1] / "generated" / "client"
if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))

TOKEN_PATH = "/apigovernance/api/oauth/tokenByAkSk"
CREATE = "/apiaccess/CC-Management/v3/mobileAgent/createCall"
STATE = "/apiaccess/CC-Management/v1/mobileAgent/queryCallState"
CDR = "/apiaccess/CC-Management/v1/mobileAgent/queryCallDetailRecord"
CMS = "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo"
ISALES = "/rest/isales/v1/openapi/campaigns/8/callresultdetail/1644464743-1388"

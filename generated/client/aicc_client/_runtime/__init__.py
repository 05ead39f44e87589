"""The hand-written runtime of every generated AICC client.

The generator copies this package verbatim into the generated package as
``<package>/_runtime/``; generated modules hold only data (structs, code tables,
operation descriptors) and thin methods that call ``SyncAPIClient.request`` /
``AsyncAPIClient.request``. All behaviour (validation, authentication, retries, error
mapping, decoding, business codes, pagination, redaction) lives here, so it is written
and tested once. It depends on nothing but the standard library, httpx and msgspec.
"""

from ._auth import (
    ApiKeyAuth,
    AsyncTokenTransport,
    Auth,
    BasicAuth,
    BearerTokenAuth,
    Signer,
    SignerAuth,
    StaticBearerAuth,
    TokenTransport,
)
from ._business import business_code, check_business
from ._client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    PACKAGE,
    AsyncAPIClient,
    SyncAPIClient,
)
from ._codes import CodeInfo, IntCodeEnum, StrCodeEnum
from ._descriptors import (
    BusinessRule,
    CodeSelector,
    Operation,
    Pagination,
    Rule,
    ServerTemplate,
    TokenSource,
)
from ._errors import (
    AiccError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BusinessError,
    ConfigurationError,
    HTTPStatusError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestOutcomeUnknownError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
    TokenError,
    TransportError,
)
from ._models import Model
from ._pagination import split_windows, to_epoch_ms
from ._redact import Secret, redact_headers, redact_text, redact_url
from ._retry import (
    DEFAULT_MAX_RETRIES,
    backoff_delay,
    is_retryable_status,
    parse_retry_after,
    retry_delay,
)
from ._validation import validate_request

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "PACKAGE",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AiccError",
    "ApiKeyAuth",
    "AsyncAPIClient",
    "AsyncTokenTransport",
    "Auth",
    "AuthenticationError",
    "BadRequestError",
    "BasicAuth",
    "BearerTokenAuth",
    "BusinessError",
    "BusinessRule",
    "CodeInfo",
    "CodeSelector",
    "ConfigurationError",
    "HTTPStatusError",
    "IntCodeEnum",
    "Model",
    "NotFoundError",
    "Operation",
    "Pagination",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOutcomeUnknownError",
    "RequestValidationError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "Rule",
    "Secret",
    "ServerError",
    "ServerTemplate",
    "Signer",
    "SignerAuth",
    "StaticBearerAuth",
    "StrCodeEnum",
    "SyncAPIClient",
    "TokenError",
    "TokenSource",
    "TokenTransport",
    "TransportError",
    "backoff_delay",
    "business_code",
    "check_business",
    "is_retryable_status",
    "parse_retry_after",
    "redact_headers",
    "redact_text",
    "redact_url",
    "retry_delay",
    "split_windows",
    "to_epoch_ms",
    "validate_request",
]

"""The remote signing service the school uses (REMOTE_SIGNING_PROVIDER): a client for one signer's
certificate, built from the app's configuration and the certificate's stored backend settings."""
from portal.services import ServiceError
from portal.services.appconfig import app_config

PROVIDERS = {"generic": "Dịch vụ ký từ xa (giao thức chung)", "smartca": "VNPT SmartCA",
             "mysign": "Viettel MySign"}


def provider() -> str:
    name = app_config().get("REMOTE_SIGNING_PROVIDER") or "generic"
    if name not in PROVIDERS:
        raise ServiceError(f"Cấu hình REMOTE_SIGNING_PROVIDER không hợp lệ ({name}); chọn generic, smartca hoặc mysign.")
    return name


def client_for(cfg: dict):
    """A client for the certificate whose backend settings are `cfg` ({"provider", "account", "ref"?, "poll_s"?})."""
    conf = app_config()
    url = conf["REMOTE_SIGNING_URL"]
    if not url:
        raise ServiceError("Chưa cấu hình địa chỉ dịch vụ ký số từ xa (REMOTE_SIGNING_URL).")
    name = cfg.get("provider") or provider()
    poll = cfg.get("poll_s") or conf.get("REMOTE_SIGNING_POLL_S") or None
    timeout = conf["REMOTE_SIGNING_TIMEOUT"]
    if name == "smartca":
        from portal.signing.providers import SmartCAClient
        return SmartCAClient(url, conf["REMOTE_SIGNING_CLIENT_ID"], conf["REMOTE_SIGNING_CLIENT_SECRET"],
                             cfg.get("ref", ""), timeout, poll or 10.0)
    if name == "mysign":
        from portal.signing.providers import MySignClient
        return MySignClient(url, conf["REMOTE_SIGNING_CLIENT_ID"], conf["REMOTE_SIGNING_CLIENT_SECRET"],
                            conf["REMOTE_SIGNING_PROFILE_ID"], cfg.get("ref", ""), timeout, poll or 2.0)
    from portal.signing.remote import RemoteSigningClient
    return RemoteSigningClient(url, timeout, poll or 1.0)


def backend(cfg: dict, cert, chain):
    """The signer backend for a remote certificate (services/records/chain.py `backend_for` calls this)."""
    from portal.signing.backends import RemoteBackend
    return RemoteBackend(client_for(cfg), cfg["account"], cert, chain)

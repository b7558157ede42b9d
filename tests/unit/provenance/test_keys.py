from __future__ import annotations

import datetime as dt
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from likeness.provenance import SigningAlgorithm, SigningConfigurationError, ensure_signing_material
from likeness.provenance.keys import (
    CA_CERT_FILE,
    CA_KEY_FILE,
    SIGNER_CHAIN_FILE,
    SIGNER_KEY_FILE,
    callback_signing_material,
    check_certificate_chain,
    create_local_ca,
    issue_signing_certificate,
    load_signing_material,
    local_signing_material,
    signing_material_from_settings,
)
from likeness.settings import Settings

NOW = dt.datetime.now(dt.UTC)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class KeyCallback:
    """A stand-in for a KMS: signs with an in-memory key."""

    key: ec.EllipticCurvePrivateKey
    certificate_chain_pem: bytes
    algorithm: SigningAlgorithm = SigningAlgorithm.ES256
    raw: bool = False

    def sign(self, data: bytes) -> bytes:
        der = self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        if not self.raw:
            return der
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@pytest.fixture
def fresh_keys(tmp_path: Path) -> Path:
    return tmp_path / "keys"


def test_init_creates_ca_and_signer_with_private_keys_0600(fresh_keys: Path) -> None:
    lines = ensure_signing_material(fresh_keys)
    assert len(lines) == 3
    assert "CA" in lines[0] and "ES256" in lines[1]
    assert "untrusted outside this installation" in lines[2]
    for name in (CA_KEY_FILE, SIGNER_KEY_FILE):
        assert stat.S_IMODE((fresh_keys / name).stat().st_mode) == 0o600
    chain = x509.load_pem_x509_certificates((fresh_keys / SIGNER_CHAIN_FILE).read_bytes())
    leaf = chain[0]
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert (
        x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION
        in leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert (
        chain[1].subject
        == x509.load_pem_x509_certificate((fresh_keys / CA_CERT_FILE).read_bytes()).subject
    )
    material = local_signing_material(fresh_keys)  # includes a real C2PA signing self-test
    assert material.algorithm is SigningAlgorithm.ES256
    assert material.trust_anchors_pem == (fresh_keys / CA_CERT_FILE).read_bytes()


def test_init_is_idempotent(fresh_keys: Path) -> None:
    ensure_signing_material(fresh_keys)
    before = {p.name: p.read_bytes() for p in fresh_keys.iterdir()}
    assert ensure_signing_material(fresh_keys) == []
    assert {p.name: p.read_bytes() for p in fresh_keys.iterdir()} == before


def test_init_renews_an_expiring_signer_but_keeps_the_ca(fresh_keys: Path) -> None:
    ensure_signing_material(fresh_keys)
    ca_before = (fresh_keys / CA_CERT_FILE).read_bytes()
    lines = ensure_signing_material(fresh_keys, now=NOW + dt.timedelta(days=710))
    assert any("signing certificate" in line for line in lines)
    assert not any("signing CA" in line for line in lines)
    assert (fresh_keys / CA_CERT_FILE).read_bytes() == ca_before


def test_init_recreates_everything_when_the_ca_key_is_lost(fresh_keys: Path) -> None:
    ensure_signing_material(fresh_keys)
    ca_before = (fresh_keys / CA_CERT_FILE).read_bytes()
    (fresh_keys / CA_KEY_FILE).unlink()
    lines = ensure_signing_material(fresh_keys)
    assert len(lines) == 3
    assert (fresh_keys / CA_CERT_FILE).read_bytes() != ca_before
    local_signing_material(fresh_keys)


def test_expired_and_not_yet_valid_certificates_fail_at_start(fresh_keys: Path) -> None:
    ensure_signing_material(fresh_keys)
    with pytest.raises(SigningConfigurationError, match=r"expired on .* renew it"):
        local_signing_material(fresh_keys, now=NOW + dt.timedelta(days=800))
    with pytest.raises(SigningConfigurationError, match="not valid before"):
        local_signing_material(fresh_keys, now=NOW - dt.timedelta(days=1))


def test_mismatched_private_key_fails_at_start(fresh_keys: Path) -> None:
    ensure_signing_material(fresh_keys)
    (fresh_keys / SIGNER_KEY_FILE).write_bytes(_key_pem(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(SigningConfigurationError, match="does not match the signing certificate"):
        local_signing_material(fresh_keys)


def test_missing_material_points_at_likeness_init(tmp_path: Path) -> None:
    with pytest.raises(SigningConfigurationError, match="run `likeness init`"):
        local_signing_material(tmp_path)
    with pytest.raises(SigningConfigurationError, match="does not exist"):
        load_signing_material(tmp_path / "chain.pem", tmp_path / "key.pem")


def test_chain_problems_have_clear_messages() -> None:
    ca_key, ca = create_local_ca(NOW)
    _, leaf = issue_signing_certificate(ca_key, ca, NOW)
    _, other_ca = create_local_ca(NOW)
    with pytest.raises(SigningConfigurationError, match="not a PEM"):
        check_certificate_chain(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    with pytest.raises(SigningConfigurationError, match=r"no certificate found|not a PEM"):
        check_certificate_chain(b"")
    with pytest.raises(SigningConfigurationError, match="must not be a CA"):
        check_certificate_chain(_pem(ca) + _pem(leaf))
    with pytest.raises(SigningConfigurationError, match="is not issued by the next"):
        check_certificate_chain(_pem(leaf) + _pem(other_ca))
    assert len(check_certificate_chain(_pem(leaf) + _pem(ca))) == 2


def test_certificate_without_a_c2pa_usage_is_refused() -> None:
    ca_key, ca = create_local_ca(NOW)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "server")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(hours=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
    )
    no_eku = builder.sign(ca_key, hashes.SHA256())
    with pytest.raises(SigningConfigurationError, match="no extended key usage"):
        check_certificate_chain(_pem(no_eku) + _pem(ca))
    server = builder.add_extension(
        x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
    ).sign(ca_key, hashes.SHA256())
    with pytest.raises(SigningConfigurationError, match="emailProtection, documentSigning"):
        check_certificate_chain(_pem(server) + _pem(ca))


@pytest.mark.parametrize("raw", [False, True])
def test_callback_signer_is_checked_with_a_test_signature(raw: bool) -> None:
    ca_key, ca = create_local_ca(NOW)
    key, leaf = issue_signing_certificate(ca_key, ca, NOW)
    chain = _pem(leaf) + _pem(ca)
    material = callback_signing_material(
        KeyCallback(key, chain, raw=raw), trust_anchors_pem=_pem(ca)
    )
    assert material.callback is not None and material.private_key_pem is None
    wrong = KeyCallback(ec.generate_private_key(ec.SECP256R1()), chain)
    with pytest.raises(SigningConfigurationError, match="does not match"):
        callback_signing_material(wrong)
    with pytest.raises(SigningConfigurationError, match="does not fit the certificate key"):
        callback_signing_material(KeyCallback(key, chain, algorithm=SigningAlgorithm.ED25519))


def test_failing_kms_is_reported_at_start() -> None:
    ca_key, ca = create_local_ca(NOW)
    _, leaf = issue_signing_certificate(ca_key, ca, NOW)

    class Broken:
        certificate_chain_pem = _pem(leaf) + _pem(ca)
        algorithm = SigningAlgorithm.ES256

        def sign(self, data: bytes) -> bytes:
            raise TimeoutError("kms unreachable")

    with pytest.raises(SigningConfigurationError, match="signer callback failed: kms unreachable"):
        callback_signing_material(Broken())


def test_bad_timestamp_authority_url_is_refused(fresh_keys: Path) -> None:
    ensure_signing_material(fresh_keys)
    with pytest.raises(SigningConfigurationError, match="timestamp authority URL"):
        load_signing_material(
            fresh_keys / SIGNER_CHAIN_FILE, fresh_keys / SIGNER_KEY_FILE, tsa_url="ftp://tsa"
        )


def test_settings_choose_production_files_or_the_local_ca(fresh_keys: Path, tmp_path: Path) -> None:
    settings = Settings(home=fresh_keys.parent)
    ensure_signing_material(settings.keys_dir)
    local = signing_material_from_settings(settings)
    assert local.chain_pem == (settings.keys_dir / SIGNER_CHAIN_FILE).read_bytes()
    production = signing_material_from_settings(
        settings.model_copy(
            update={
                "c2pa_cert_chain": settings.keys_dir / SIGNER_CHAIN_FILE,
                "c2pa_private_key": settings.keys_dir / SIGNER_KEY_FILE,
            }
        ),
    )
    assert production.private_key_pem == (settings.keys_dir / SIGNER_KEY_FILE).read_bytes()
    # A timestamp authority is contacted by the start-up self-test; offline here.
    with_tsa = load_signing_material(
        settings.keys_dir / SIGNER_CHAIN_FILE,
        settings.keys_dir / SIGNER_KEY_FILE,
        tsa_url="http://timestamp.example/tsa",
        self_test=False,
    )
    assert with_tsa.tsa_url == "http://timestamp.example/tsa"
    with pytest.raises(SigningConfigurationError, match="set both"):
        signing_material_from_settings(
            settings.model_copy(update={"c2pa_cert_chain": tmp_path / "x.pem"})
        )
    with pytest.raises(SigningConfigurationError, match="must look like"):
        signing_material_from_settings(settings.model_copy(update={"c2pa_signer": "no_colon"}))
    with pytest.raises(SigningConfigurationError, match="cannot load signer factory"):
        signing_material_from_settings(
            settings.model_copy(update={"c2pa_signer": "nowhere.at_all:make"})
        )
    with pytest.raises(SigningConfigurationError, match="trust anchors file"):
        signing_material_from_settings(
            settings.model_copy(update={"c2pa_trust_anchors": tmp_path / "none.pem"})
        )


def test_provenance_settings_read_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LIKENESS_C2PA_CERT_CHAIN", str(tmp_path / "chain.pem"))
    monkeypatch.setenv("LIKENESS_C2PA_TSA_URL", "https://tsa.example")
    parsed = Settings()
    assert parsed.c2pa_cert_chain == tmp_path / "chain.pem"
    assert parsed.c2pa_tsa_url == "https://tsa.example"


def test_unreachable_timestamp_authority_fails_at_start(fresh_keys: Path) -> None:
    settings = Settings(home=fresh_keys.parent)
    ensure_signing_material(settings.keys_dir)
    with pytest.raises(SigningConfigurationError, match="C2PA SDK rejects the signing material"):
        # Port 9 (discard) on loopback refuses at once: no network needed.
        signing_material_from_settings(
            settings.model_copy(update={"c2pa_tsa_url": "http://127.0.0.1:9/tsa"})
        )

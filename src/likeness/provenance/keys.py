"""Signing material for C2PA manifests: the local CA, production chains, callbacks.

``likeness init`` calls :func:`ensure_signing_material`, which creates a local
signing CA and an ES256 signing certificate that the C2PA SDK accepts. Manifests
signed with it validate as *Trusted* only where that CA is configured as a trust
anchor, i.e. inside this installation; everywhere else they read as *Valid* but
untrusted. Production points ``LIKENESS_C2PA_CERT_CHAIN`` and
``LIKENESS_C2PA_PRIVATE_KEY`` at a chain from a CA on the C2PA trust list, or
``LIKENESS_C2PA_SIGNER`` at a factory returning a :class:`CallbackSigner`
(KMS/HSM). :func:`signing_material_from_settings` checks all of it, including a
test signature, so an expired or mismatched certificate stops the service at
start-up instead of at the first release.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import importlib
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast
from urllib.parse import urlparse

import c2pa
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from PIL import Image

from likeness.kit.files import private_dir, write_private
from likeness.provenance._errors import SigningConfigurationError
from likeness.provenance._info import TRAINED_ALGORITHMIC_MEDIA
from likeness.settings import Settings

CA_KEY_FILE = "c2pa-ca.key"
CA_CERT_FILE = "c2pa-ca.pem"
SIGNER_KEY_FILE = "c2pa-signer.key"
SIGNER_CHAIN_FILE = "c2pa-signer.pem"
CA_LIFETIME = dt.timedelta(days=3650)
SIGNER_LIFETIME = dt.timedelta(days=730)
#: ``ensure_signing_material`` re-issues certificates this close to expiry.
RENEW_BEFORE = dt.timedelta(days=30)
CLOCK_SKEW = dt.timedelta(minutes=5)

#: Extended key usages the C2PA trust model accepts for claim signing.
C2PA_SIGNING_EKUS = frozenset(
    {
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # id-kp-documentSigning
        ObjectIdentifier("1.3.6.1.4.1.62558.2.1"),  # c2pa-kp-claimSigning
        ObjectIdentifier("1.3.6.1.4.1.311.76.59.1.9"),  # Microsoft document signing
    }
)


class SigningAlgorithm(enum.StrEnum):
    ES256 = "es256"
    ES384 = "es384"
    ES512 = "es512"
    PS256 = "ps256"
    ED25519 = "ed25519"

    @property
    def c2pa(self) -> c2pa.C2paSigningAlg:
        return cast("c2pa.C2paSigningAlg", getattr(c2pa.C2paSigningAlg, self.name))


class CallbackSigner(Protocol):
    """A signer whose private key never leaves a KMS or HSM.

    ``sign`` receives the COSE to-be-signed bytes and returns the signature: DER or
    raw ``r||s`` for ECDSA, raw for Ed25519, PSS for RSA.
    """

    @property
    def certificate_chain_pem(self) -> bytes: ...

    @property
    def algorithm(self) -> SigningAlgorithm: ...

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class SigningMaterial:
    """Checked signing configuration; build it with the ``*_signing_material`` helpers."""

    chain_pem: bytes
    algorithm: SigningAlgorithm
    not_after: dt.datetime
    private_key_pem: bytes | None = field(default=None, repr=False)
    callback: CallbackSigner | None = None
    tsa_url: str | None = None
    trust_anchors_pem: bytes | None = None

    def c2pa_signer(self) -> c2pa.Signer:
        if self.callback is not None:
            return c2pa.Signer.from_callback(
                self.callback.sign, self.algorithm.c2pa, self.chain_pem.decode(), self.tsa_url
            )
        if self.private_key_pem is None:
            raise SigningConfigurationError("signing material has neither a key nor a callback")
        info = c2pa.C2paSignerInfo(
            self.algorithm.c2pa,
            self.chain_pem,
            self.private_key_pem,
            self.tsa_url.encode() if self.tsa_url else None,
        )
        return c2pa.Signer.from_info(info)


# --- checks -------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def parse_chain(chain_pem: bytes, *, source: str) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(chain_pem)
    except ValueError:
        raise SigningConfigurationError(f"{source}: not a PEM certificate chain") from None
    if not certificates:
        raise SigningConfigurationError(f"{source}: no certificate found")
    return certificates


def algorithm_for(certificate: x509.Certificate) -> SigningAlgorithm:
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        by_curve = {"secp256r1": SigningAlgorithm.ES256, "secp384r1": SigningAlgorithm.ES384}
        by_curve["secp521r1"] = SigningAlgorithm.ES512
        if key.curve.name in by_curve:
            return by_curve[key.curve.name]
    if isinstance(key, ed25519.Ed25519PublicKey):
        return SigningAlgorithm.ED25519
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
        return SigningAlgorithm.PS256
    raise SigningConfigurationError(
        "signing certificate key must be EC P-256/P-384/P-521, Ed25519 or RSA >= 2048 bits"
    )


def _check_validity(certificate: x509.Certificate, what: str, now: dt.datetime) -> None:
    subject = certificate.subject.rfc4514_string()
    if now < certificate.not_valid_before_utc:
        raise SigningConfigurationError(
            f"{what} {subject!r} is not valid before "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
        )
    if now >= certificate.not_valid_after_utc:
        raise SigningConfigurationError(
            f"{what} {subject!r} expired on {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; "
            "renew it (or run `likeness init` for the local CA)"
        )


def _check_leaf_profile(leaf: x509.Certificate) -> None:
    try:
        constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
        if constraints.ca:
            raise SigningConfigurationError("the signing certificate must not be a CA certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise SigningConfigurationError("signing certificate has no key usage extension") from None
    if not usage.digital_signature:
        raise SigningConfigurationError("signing certificate key usage lacks digitalSignature")
    try:
        ekus = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        raise SigningConfigurationError("signing certificate has no extended key usage") from None
    if not ekus & C2PA_SIGNING_EKUS or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in ekus:
        raise SigningConfigurationError(
            "signing certificate extended key usage must include emailProtection, "
            "documentSigning or c2pa-kp-claimSigning (and not anyExtendedKeyUsage)"
        )


def check_certificate_chain(
    chain_pem: bytes, *, now: dt.datetime | None = None, source: str = "certificate chain"
) -> list[x509.Certificate]:
    """Parse and check a signing chain (leaf first); raise a clear error on any flaw."""
    moment = _now(now)
    certificates = parse_chain(chain_pem, source=source)
    _check_leaf_profile(certificates[0])
    for index, certificate in enumerate(certificates):
        _check_validity(
            certificate, "signing certificate" if index == 0 else "CA certificate", moment
        )
    for child, parent in itertools.pairwise(certificates):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            raise SigningConfigurationError(
                f"{source}: {child.subject.rfc4514_string()!r} is not issued by the next "
                f"certificate {parent.subject.rfc4514_string()!r}; list the chain leaf first"
            ) from None
    algorithm_for(certificates[0])
    return certificates


def _check_tsa_url(tsa_url: str | None) -> None:
    if tsa_url is None:
        return
    parsed = urlparse(tsa_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SigningConfigurationError(
            f"timestamp authority URL {tsa_url!r} must be http(s)://host/…"
        )


def _verify_with_leaf(
    leaf: x509.Certificate, algorithm: SigningAlgorithm, data: bytes, signature: bytes
) -> None:
    key = leaf.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            hash_for = {
                SigningAlgorithm.ES256: hashes.SHA256(),
                SigningAlgorithm.ES384: hashes.SHA384(),
            }
            chosen = hash_for.get(algorithm, hashes.SHA512())
            size = (key.curve.key_size + 7) // 8
            if len(signature) == 2 * size:  # raw r||s (IEEE P1363), as COSE carries it
                r = int.from_bytes(signature[:size], "big")
                s = int.from_bytes(signature[size:], "big")
                signature = encode_dss_signature(r, s)
            key.verify(signature, data, ec.ECDSA(chosen))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif isinstance(key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            key.verify(signature, data, pss, hashes.SHA256())
        else:
            raise InvalidSignature
    except (InvalidSignature, ValueError):
        raise SigningConfigurationError(
            "the private key (or signer callback) does not match the signing certificate"
        ) from None


def _self_test(material: SigningMaterial) -> None:
    """Sign a tiny image through the C2PA SDK so unusable material fails now."""
    pixels = io.BytesIO()
    Image.new("RGB", (8, 8), (128, 128, 128)).save(pixels, format="PNG")
    settings: dict[str, object] = {"builder": {"thumbnail": {"enabled": False}}}
    if material.trust_anchors_pem:
        settings["trust"] = {"user_anchors": material.trust_anchors_pem.decode()}
    manifest = {
        "claim_generator_info": [{"name": "Likeness signing self-test"}],
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                        }
                    ]
                },
            }
        ],
    }
    try:
        with c2pa.Context.from_dict(settings) as context, material.c2pa_signer() as signer:
            builder = c2pa.Builder(manifest, context=context)
            builder.sign(signer, "image/png", io.BytesIO(pixels.getvalue()), io.BytesIO())
    except c2pa.C2paError as exc:
        raise SigningConfigurationError(
            f"the C2PA SDK rejects the signing material: {exc}"
        ) from None


# --- loading ------------------------------------------------------------------


def load_signing_material(
    chain_path: Path,
    key_path: Path,
    *,
    tsa_url: str | None = None,
    trust_anchors_pem: bytes | None = None,
    now: dt.datetime | None = None,
    self_test: bool = True,
) -> SigningMaterial:
    """Read and check a PEM chain (leaf first) and its PEM private key."""
    for path in (chain_path, key_path):
        if not path.is_file():
            raise SigningConfigurationError(f"signing file {path} does not exist")
    chain_pem = chain_path.read_bytes()
    key_pem = key_path.read_bytes()
    certificates = check_certificate_chain(chain_pem, now=now, source=str(chain_path))
    _check_tsa_url(tsa_url)
    try:
        private_key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise SigningConfigurationError(f"{key_path}: not an unencrypted PEM private key") from None
    leaf = certificates[0]
    algorithm = algorithm_for(leaf)
    probe = b"likeness signing key check"
    material = SigningMaterial(
        chain_pem=chain_pem,
        algorithm=algorithm,
        not_after=leaf.not_valid_after_utc,
        private_key_pem=key_pem,
        tsa_url=tsa_url,
        trust_anchors_pem=trust_anchors_pem,
    )
    return _proven(material, leaf, probe, _sign_with_key(private_key, algorithm, probe), self_test)


def _proven(
    material: SigningMaterial,
    leaf: x509.Certificate,
    probe: bytes,
    signature: bytes,
    self_test: bool,
) -> SigningMaterial:
    """``material`` once ``leaf`` verifies its test ``signature`` of ``probe`` and, with
    ``self_test``, the C2PA SDK has signed an image with it."""
    _verify_with_leaf(leaf, material.algorithm, probe, signature)
    if self_test:
        _self_test(material)
    return material


def _sign_with_key(private_key: object, algorithm: SigningAlgorithm, data: bytes) -> bytes:
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        chosen = {SigningAlgorithm.ES256: hashes.SHA256(), SigningAlgorithm.ES384: hashes.SHA384()}
        return private_key.sign(data, ec.ECDSA(chosen.get(algorithm, hashes.SHA512())))
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(data)
    if isinstance(private_key, rsa.RSAPrivateKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return private_key.sign(data, pss, hashes.SHA256())
    raise SigningConfigurationError("unsupported private key type")


def callback_signing_material(
    signer: CallbackSigner,
    *,
    tsa_url: str | None = None,
    trust_anchors_pem: bytes | None = None,
    now: dt.datetime | None = None,
    self_test: bool = True,
) -> SigningMaterial:
    """Check a KMS/HSM signer: its chain, and one test signature against the leaf key."""
    certificates = check_certificate_chain(
        signer.certificate_chain_pem, now=now, source="signer chain"
    )
    _check_tsa_url(tsa_url)
    leaf = certificates[0]
    algorithm = SigningAlgorithm(signer.algorithm)
    if algorithm is not algorithm_for(leaf):
        raise SigningConfigurationError(
            f"signer algorithm {algorithm.name} does not fit the certificate key "
            f"({algorithm_for(leaf).name})"
        )
    probe = b"likeness signing callback check"
    try:
        signature = signer.sign(probe)
    except Exception as exc:  # a KMS can fail in any way; report it at start-up
        raise SigningConfigurationError(f"signer callback failed: {exc}") from None
    chain_pem = signer.certificate_chain_pem
    material = SigningMaterial(
        chain_pem=chain_pem,
        algorithm=algorithm,
        not_after=leaf.not_valid_after_utc,
        callback=signer,
        tsa_url=tsa_url,
        trust_anchors_pem=trust_anchors_pem,
    )
    return _proven(material, leaf, probe, signature, self_test)


def local_trust_anchors(keys_dir: Path) -> bytes | None:
    """The local CA certificate, when ``likeness init`` has made one."""
    path = keys_dir / CA_CERT_FILE
    return path.read_bytes() if path.is_file() else None


def local_signing_material(keys_dir: Path, *, now: dt.datetime | None = None) -> SigningMaterial:
    """The signing material ``likeness init`` created under ``keys_dir``."""
    if not (keys_dir / SIGNER_CHAIN_FILE).is_file():
        raise SigningConfigurationError(
            f"no C2PA signing certificate in {keys_dir}: run `likeness init` or set "
            "LIKENESS_C2PA_CERT_CHAIN and LIKENESS_C2PA_PRIVATE_KEY"
        )
    return load_signing_material(
        keys_dir / SIGNER_CHAIN_FILE,
        keys_dir / SIGNER_KEY_FILE,
        trust_anchors_pem=local_trust_anchors(keys_dir),
        now=now,
    )


def _import_factory(spec: str) -> Callable[[], CallbackSigner]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SigningConfigurationError(
            f"LIKENESS_C2PA_SIGNER must look like 'package.module:factory', got {spec!r}"
        )
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise SigningConfigurationError(f"cannot load signer factory {spec!r}: {exc}") from None
    return cast("Callable[[], CallbackSigner]", factory)


def trust_anchors_from_settings(settings: Settings | None = None) -> bytes | None:
    """Extra trust anchors for verification: configured PEMs plus the local CA."""
    settings = settings or Settings()
    anchors = b""
    if settings.c2pa_trust_anchors is not None:
        if not settings.c2pa_trust_anchors.is_file():
            raise SigningConfigurationError(
                f"trust anchors file {settings.c2pa_trust_anchors} does not exist"
            )
        anchors += settings.c2pa_trust_anchors.read_bytes()
    local = local_trust_anchors(settings.keys_dir)
    if local:
        anchors += local
    return anchors or None


def signing_material_from_settings(
    settings: Settings | None = None,
    *,
    now: dt.datetime | None = None,
) -> SigningMaterial:
    """The signing material this installation is configured with, fully checked.

    Call it at start-up: it raises :class:`SigningConfigurationError` for missing,
    expired or mismatched material.
    """
    settings = settings or Settings()
    anchors = trust_anchors_from_settings(settings)
    if settings.c2pa_signer:
        signer = _import_factory(settings.c2pa_signer)()
        return callback_signing_material(
            signer, tsa_url=settings.c2pa_tsa_url, trust_anchors_pem=anchors, now=now
        )
    if settings.c2pa_cert_chain or settings.c2pa_private_key:
        if not (settings.c2pa_cert_chain and settings.c2pa_private_key):
            raise SigningConfigurationError(
                "set both LIKENESS_C2PA_CERT_CHAIN and LIKENESS_C2PA_PRIVATE_KEY"
            )
        return load_signing_material(
            settings.c2pa_cert_chain,
            settings.c2pa_private_key,
            tsa_url=settings.c2pa_tsa_url,
            trust_anchors_pem=anchors,
            now=now,
        )
    material = local_signing_material(settings.keys_dir, now=now)
    if settings.c2pa_tsa_url is None:
        return dataclasses.replace(material, trust_anchors_pem=anchors)
    _check_tsa_url(settings.c2pa_tsa_url)
    material = dataclasses.replace(
        material, tsa_url=settings.c2pa_tsa_url, trust_anchors_pem=anchors
    )
    _self_test(material)  # again, now through the timestamp authority
    return material


# --- the local CA -------------------------------------------------------------


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Likeness local installation"),
        ]
    )


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def create_local_ca(now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("Likeness Local Signing CA")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def issue_signing_certificate(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_certificate: x509.Certificate,
    now: dt.datetime,
    *,
    lifetime: dt.timedelta = SIGNER_LIFETIME,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """An ES256 end-entity certificate with the key usage and EKU C2PA requires."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("Likeness Content Credentials Signer"))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + lifetime, ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def _spki(public_key: CertificatePublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _usable_ca(
    keys_dir: Path, now: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None:
    key_path, cert_path = keys_dir / CA_KEY_FILE, keys_dir / CA_CERT_FILE
    if not (key_path.is_file() and cert_path.is_file()):
        return None
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except ValueError:
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        return None
    if certificate.not_valid_after_utc - RENEW_BEFORE <= now:
        return None
    return key, certificate


def _usable_signer(keys_dir: Path, ca_certificate: x509.Certificate, now: dt.datetime) -> bool:
    try:
        material = load_signing_material(
            keys_dir / SIGNER_CHAIN_FILE, keys_dir / SIGNER_KEY_FILE, now=now, self_test=False
        )
    except SigningConfigurationError:
        return False
    chain = x509.load_pem_x509_certificates(material.chain_pem)
    return chain[-1] == ca_certificate and material.not_after - RENEW_BEFORE > now


def ensure_signing_material(keys_dir: Path, *, now: dt.datetime | None = None) -> list[str]:
    """Create the local CA and signing certificate where missing, expiring or broken.

    Idempotent: returns the lines to show the user, or ``[]`` when everything was
    already in place and valid. Private keys are written with mode 0600.
    """
    moment = _now(now)
    private_dir(keys_dir)
    lines: list[str] = []
    ca = _usable_ca(keys_dir, moment)
    if ca is None:
        ca = create_local_ca(moment)
        write_private(keys_dir / CA_KEY_FILE, _key_pem(ca[0]), overwrite=True)
        write_private(keys_dir / CA_CERT_FILE, _pem(ca[1]), overwrite=True)
        lines.append(f"created local C2PA signing CA {keys_dir / CA_CERT_FILE}")
    ca_key, ca_certificate = ca
    if lines or not _usable_signer(keys_dir, ca_certificate, moment):
        key, certificate = issue_signing_certificate(ca_key, ca_certificate, moment)
        write_private(keys_dir / SIGNER_KEY_FILE, _key_pem(key), overwrite=True)
        chain = _pem(certificate) + _pem(ca_certificate)
        write_private(keys_dir / SIGNER_CHAIN_FILE, chain, overwrite=True)
        lines.append(
            f"created ES256 C2PA signing certificate {keys_dir / SIGNER_CHAIN_FILE} "
            f"(valid until {certificate.not_valid_after_utc:%Y-%m-%d})"
        )
    if lines:
        lines.append(
            "note: this CA is untrusted outside this installation; Content Credentials "
            "viewers will show its manifests as valid but from an unknown signer. Set "
            "LIKENESS_C2PA_CERT_CHAIN/LIKENESS_C2PA_PRIVATE_KEY for production."
        )
    return lines

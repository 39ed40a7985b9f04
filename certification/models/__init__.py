"""The system of record, one module per concept."""

from .api_keys import ApiKey
from .assessments import AssessmentKind, AssessmentResult
from .audit import AuditEvent
from .bans import BanCheck, BanEntry, CheckPurpose
from .calendar import CalendarDay
from .certificates import (
    Certificate,
    CertificateBatch,
    Occupation,
    SerialCounter,
    SkillLevel,
)
from .credentials import SigningKey, StatusList
from .credit import CreditRecord
from .cycles import CycleStatus, CycleSummary
from .employments import Employment
from .health import HealthCheck, HealthTraining
from .hours import HourEntry, HourSource
from .imports import ImportJob
from .notifications import Notification
from .organisations import Accreditation, Organisation
from .outbox import Delivery, DeliveryStatus, EventType, OutboxEvent, Receiver
from .people import IdProcessingConsent, Person
from .regions import Region
from .requirements import BanRecheckDate, LearningPolicy, RequirementRule
from .staff import (
    ORGANISATION_ROLES,
    REGION_ROLES,
    SECOND_APPROVAL_ROLES,
    RoleGrant,
    StaffMembership,
    StaffRole,
)
from .subsidies import (
    ApplicationStatus,
    ApplicationStatusChange,
    Objection,
    PaymentBatch,
    PaymentLine,
    SubsidyApplication,
    SubsidyPolicy,
    SubsidyStandard,
    SubsidyType,
    UrgentOccupation,
)
from .supervision import AccreditationDecision, AccreditationStatus
from .work_certificates import WORK_CERTIFICATE_ROLES, WorkCertificateRule

__all__ = [
    "Delivery",
    "DeliveryStatus",
    "EventType",
    "OutboxEvent",
    "Receiver",
    "AccreditationDecision",
    "AccreditationStatus",
    "SigningKey",
    "CreditRecord",
    "StatusList",
    "ApiKey",
    "ORGANISATION_ROLES",
    "REGION_ROLES",
    "Accreditation",
    "ApplicationStatus",
    "ApplicationStatusChange",
    "AssessmentKind",
    "AssessmentResult",
    "AuditEvent",
    "BanCheck",
    "BanEntry",
    "Certificate",
    "CertificateBatch",
    "CalendarDay",
    "CheckPurpose",
    "CycleStatus",
    "CycleSummary",
    "Employment",
    "HealthCheck",
    "HealthTraining",
    "HourEntry",
    "HourSource",
    "IdProcessingConsent",
    "ImportJob",
    "BanRecheckDate",
    "LearningPolicy",
    "Notification",
    "Objection",
    "Occupation",
    "Organisation",
    "PaymentBatch",
    "PaymentLine",
    "Person",
    "Region",
    "RequirementRule",
    "SerialCounter",
    "SkillLevel",
    "StaffMembership",
    "RoleGrant",
    "SECOND_APPROVAL_ROLES",
    "StaffRole",
    "SubsidyApplication",
    "SubsidyPolicy",
    "SubsidyStandard",
    "SubsidyType",
    "UrgentOccupation",
    "WORK_CERTIFICATE_ROLES",
    "WorkCertificateRule",
]

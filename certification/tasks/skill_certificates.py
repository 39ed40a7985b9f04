"""Skill-level certificate import task (D-19): id in, idempotent."""

from celery import shared_task


@shared_task(name="certification.import_skill_certificates")
def import_skill_certificates(import_id: int) -> None:
    from certification.services.skill_certificates import skill_import_process

    skill_import_process(import_id=import_id)

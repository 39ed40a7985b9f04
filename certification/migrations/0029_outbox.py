# Issue 20 (D-40): the transactional outbox, its receivers and deliveries.
import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("certification", "0028_base_supervision")]

    operations = [
        migrations.CreateModel(
            name="OutboxEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sequence", models.BigIntegerField(editable=False, unique=True)),
                (
                    "event_type",
                    models.CharField(
                        choices=[
                            ("person.registered", "人员登记"),
                            ("employment.started", "入职"),
                            ("employment.ended", "离职"),
                            ("certificate.issued", "证书颁发"),
                            ("certificate.revoked", "证书撤销"),
                            ("ban.registered", "禁入登记"),
                        ],
                        max_length=32,
                        verbose_name="事件",
                    ),
                ),
                ("aggregate_type", models.CharField(max_length=32)),
                ("aggregate_id", models.CharField(max_length=64)),
                ("region_path", models.CharField(blank=True, max_length=255)),
                ("payload", models.JSONField()),
                (
                    "idempotency_key",
                    models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
            ],
            options={
                "verbose_name": "推送事件",
                "verbose_name_plural": "推送事件",
                "ordering": ["sequence"],
            },
        ),
        migrations.CreateModel(
            name="Receiver",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=128, verbose_name="接收方名称")),
                ("url", models.URLField(max_length=500, verbose_name="接收地址")),
                ("secret_cipher", models.BinaryField(editable=False)),
                ("event_types", models.JSONField(default=list, verbose_name="推送的事件")),
                ("is_active", models.BooleanField(default=True, verbose_name="启用")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        help_text="留空为全国：推送所有地区的事件。",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="certification.region",
                        verbose_name="数据范围",
                    ),
                ),
            ],
            options={
                "verbose_name": "推送接收方",
                "verbose_name_plural": "推送接收方",
                "ordering": ["name", "id"],
            },
        ),
        migrations.CreateModel(
            name="Delivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待推送"),
                            ("delivered", "已送达"),
                            ("dead", "推送失败（待处理）"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="尝试次数")),
                (
                    "next_attempt_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="下次尝试"
                    ),
                ),
                (
                    "last_error",
                    models.CharField(blank=True, max_length=255, verbose_name="最近错误"),
                ),
                (
                    "delivered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="送达时间"),
                ),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deliveries",
                        to="certification.outboxevent",
                    ),
                ),
                (
                    "receiver",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deliveries",
                        to="certification.receiver",
                    ),
                ),
            ],
            options={
                "verbose_name": "推送记录",
                "verbose_name_plural": "推送记录",
                "ordering": ["event__sequence"],
                "indexes": [
                    models.Index(
                        fields=["receiver", "status", "event"],
                        name="certificati_receive_3927d7_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("event", "receiver"), name="one_delivery_per_receiver"
                    )
                ],
            },
        ),
    ]

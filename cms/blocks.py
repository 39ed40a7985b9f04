"""StreamField blocks for lesson bodies."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(required=False, label=_("说明"))

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"


class VideoBlock(blocks.StructBlock):
    """A video file (uploaded as a document) or an embed URL."""

    video = DocumentChooserBlock(required=False, label=_("视频文件"))
    embed = EmbedBlock(required=False, label=_("外部视频链接"))
    caption = blocks.CharBlock(required=False, label=_("说明"))

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"


class QuizQuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("题目"))
    choices = blocks.ListBlock(blocks.CharBlock(label=_("选项")), label=_("选项"), min_num=2)
    # 1-based positions of the correct choices, e.g. "2" or "1,3".
    correct = blocks.CharBlock(label=_("正确选项序号（逗号分隔，从 1 开始）"))
    explanation = blocks.TextBlock(required=False, label=_("解析"))

    class Meta:
        icon = "help"


class QuizBlock(blocks.StructBlock):
    """A quiz the learner must pass (pass mark in percent) before the lesson counts as complete."""

    title = blocks.CharBlock(label=_("测验名称"), default=_("课后测验"))
    pass_mark = blocks.IntegerBlock(
        label=_("及格分（百分制）"), min_value=0, max_value=100, default=60
    )
    questions = blocks.ListBlock(QuizQuestionBlock(), label=_("题目"), min_num=1)

    class Meta:
        icon = "list-ol"
        template = "blocks/quiz_block.html"


class LessonStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        form_classname="title",
        icon="title",
        label=_("小标题"),
        template="blocks/heading_block.html",
    )
    paragraph = blocks.RichTextBlock(label=_("正文"))
    image = ImageBlock(label=_("图片"))
    video = VideoBlock(label=_("视频"))
    document = DocumentChooserBlock(label=_("文档"), template="blocks/document_block.html")
    quiz = QuizBlock(label=_("测验"))

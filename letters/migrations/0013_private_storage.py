# Batch PDFs leave the database for the private storage (core.storage, STORAGES["private"]), and
# returned letters get a stored return pack. Reversible: going back copies each stored PDF into
# the column again and deletes its object. The stored bytes are the same Fernet token either way
# (core.storage encrypts exactly as the column did), so nothing is decrypted here.

import uuid

import django.db.models.deletion
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import migrations, models


def to_storage(apps, schema_editor):
    Document = apps.get_model("letters", "PostingBatchDocument")
    for document in Document.objects.exclude(content=b"").iterator(chunk_size=20):
        name = f"batches/{uuid.uuid4().hex}.enc"
        document.file_name = storages["private"].save(name, ContentFile(bytes(document.content)))
        document.content = b""
        document.save(update_fields=["file_name", "content"])


def to_database(apps, schema_editor):
    Document = apps.get_model("letters", "PostingBatchDocument")
    for document in Document.objects.exclude(file_name="").iterator(chunk_size=20):
        try:
            with storages["private"].open(document.file_name, "rb") as stored:
                document.content = stored.read()
        except FileNotFoundError:
            document.delete()  # lost: the next render_batch_pdf task draws it again
            continue
        document.save(update_fields=["content"])
        storages["private"].delete(document.file_name)


class Migration(migrations.Migration):

    dependencies = [
        ('letters', '0012_letter_source'),
        ('prisoners', '0002_prisoner_summary_ru_and_gender'),
    ]

    operations = [
        migrations.AddField(
            model_name='postingbatchdocument',
            name='file_name',
            field=models.CharField(default='', editable=False, max_length=255),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='postingbatchdocument',
            name='content',
            field=models.BinaryField(default=b''),
        ),
        migrations.RunPython(to_storage, to_database, elidable=False),
        migrations.RemoveField(
            model_name='postingbatchdocument',
            name='content',
        ),
        migrations.CreateModel(
            name='LetterReturnPack',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(editable=False, max_length=255)),
                ('rendered_at', models.DateTimeField(auto_now_add=True)),
                ('letter', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='return_pack', to='letters.letter')),
                ('address', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='prisoners.prisonaddress')),
            ],
            options={
                'abstract': False,
            },
        ),
    ]

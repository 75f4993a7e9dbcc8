from django.contrib import admin

from accounts.models import Digest, SavedSearch


class DigestInline(admin.TabularInline):
    model = Digest
    extra = 0
    can_delete = False
    readonly_fields = ("made_at", "from_point", "to_point", "letters", "listed", "message_id")


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "frequency", "next_digest_at", "last_digest_at")
    list_filter = ("frequency",)
    search_fields = ("name", "owner__email")
    raw_id_fields = ("owner",)
    readonly_fields = ("digest_point", "created_at", "updated_at")
    inlines = [DigestInline]

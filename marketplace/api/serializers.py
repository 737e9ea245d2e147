from rest_framework import serializers

from marketplace.models import User


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=["homeowner", "pro"])
    business_name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class RegistrationReceived(serializers.Serializer):
    email = serializers.EmailField()
    detail = serializers.CharField()


class TokenInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128)


class TokenPair(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=2000)


class PasswordChangeInput(serializers.Serializer):
    current_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class PasswordResetInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetSent(serializers.Serializer):
    detail = serializers.CharField()


class PasswordResetConfirmInput(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class UserOutput(serializers.ModelSerializer):
    marketplace: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    pro: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    language = serializers.CharField(
        read_only=True, help_text="Saved language (en, fr-ca, zh-hant), or empty: Accept-Language decides."
    )

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "marketplace", "pro", "language", "date_joined"]
        read_only_fields = fields


class MeUpdateInput(serializers.Serializer):
    language = serializers.CharField(
        allow_blank=True,
        max_length=35,
        help_text="en, fr-CA or zh-Hant (other tags of those languages are mapped: fr → fr-ca, zh-TW → "
        "zh-hant); blank or a language the product does not speak clears the preference (Accept-Language, "
        "then the marketplace's language decide).",
    )

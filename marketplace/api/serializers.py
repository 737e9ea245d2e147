from rest_framework import serializers

from marketplace.models import User


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=["homeowner", "pro"])
    business_name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class TokenInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128)


class TokenPair(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField()


class UserOutput(serializers.ModelSerializer):
    marketplace: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    pro: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "marketplace", "pro", "date_joined"]
        read_only_fields = fields

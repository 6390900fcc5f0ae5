from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import password_sms, signup, two_factor, views
from .forms import LoginForm

urlpatterns = [
    path("signup/", signup.signup, name="signup"),
    path("signup/verify/", signup.signup_verify, name="signup_verify"),
    path("welcome/", views.after_login, name="after_login"),
    path("my-data/", views.my_data, name="my_data"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("my-data/export.zip", views.my_data_export, name="my_data_export"),
    path("my-data/delete/", views.my_data_delete, name="my_data_delete"),
    # Django's own views and URL names (login, logout, password_change, password_reset...).
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/sms/", password_sms.password_reset_sms, name="password_reset_sms"),
    path(
        "password_reset/sms/confirm/",
        password_sms.password_reset_sms_confirm,
        name="password_reset_sms_confirm",
    ),
    path("", include("django.contrib.auth.urls")),
]

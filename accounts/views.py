from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import SignupForm


def safe_next(request) -> str:
    """Where `?next=` (or the posted `next`) asks to go after signing up, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def signup(request):
    form = SignupForm(request.POST or None)
    next_url = safe_next(request)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect(next_url or "home")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})

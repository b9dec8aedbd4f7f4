from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from . import REQUIRED


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(REQUIRED), Length(max=150)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(REQUIRED)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("Mật khẩu mới", validators=[DataRequired(REQUIRED)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[DataRequired(REQUIRED)],
                            render_kw={"autocomplete": "new-password"})

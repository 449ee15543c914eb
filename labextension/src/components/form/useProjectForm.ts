import * as React from 'react';
import { ApiError, IProject } from '../../api';
import { BeekeeperModel } from '../../model';
import { validateName } from '../../format';
import { useTranslate } from '../../i18n';
import { errorField, FieldName, IFields, initialFields, localErrors, requestBody } from './fields';

type InputEvent = React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>;

/** The form's state and its submit: local checks first, then the server's errors on their field. */
export function useProjectForm(
  model: BeekeeperModel,
  project: IProject | undefined,
  onDone: (p: IProject) => void
) {
  const editing = !!project;
  const __ = useTranslate();
  const [fields, setFields] = React.useState<IFields>(() => initialFields(project));
  const [touched, setTouched] = React.useState<Record<string, boolean>>({});
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [busy, setBusy] = React.useState(false);
  const [showCreds, setShowCreds] = React.useState(false);

  const set = (key: FieldName) => (e: InputEvent) => {
    const value = e.target.value;
    setFields(old => ({ ...old, [key]: value }));
    setTouched(old => ({ ...old, [key]: true }));
    setErrors(old => {
      const { [key]: _, form: __, ...rest } = old;
      return rest;
    });
  };

  const nameError = editing
    ? null
    : touched.name || errors.name
      ? errors.name || validateName(fields.name, __)
      : null;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const local = localErrors(fields, editing, __);
    if (Object.keys(local).length) {
      setTouched({ name: true });
      setErrors(local);
      return;
    }
    setBusy(true);
    try {
      const body = requestBody(fields, project);
      onDone(project ? await model.updateProject(project.name, body) : await model.createProject(body));
    } catch (error) {
      const err = error as ApiError;
      const field = errorField(err.field);
      if (field === 'username' || field === 'token') {
        setShowCreds(true);
      }
      setErrors({ [field]: err.message });
    } finally {
      setBusy(false);
    }
  };

  return { editing, fields, errors, nameError, busy, showCreds, setShowCreds, set, submit };
}

/** A link to another CI's page, named as people know it, with its type and key on hover. */
import { Show } from 'solid-js';
import type { CiRef } from '../../api/cmdb.ts';
import { typeLabel } from './labels.ts';
import { ciHref } from './route.ts';

export function CiRefLink(props: { ci: Pick<CiRef, 'key' | 'name'> & { type?: CiRef['type'] }; showType?: boolean }) {
  return (
    <span class="ci-ref">
      <a href={ciHref(props.ci.key)} data-ci={props.ci.key}
        title={props.ci.type ? `${typeLabel(props.ci.type)} · ${props.ci.key}` : props.ci.key}>
        {props.ci.name}
      </a>
      <Show when={props.showType && props.ci.type}>
        {(type) => <span class="ci-ref-type">{typeLabel(type())}</span>}
      </Show>
    </span>
  );
}

-- Indicators name the counter they read (rulebook `counter`, default the indicator's own code). Rulebooks stored
-- before that get the three whose counter has another name, as the code read them then: same scores.
UPDATE rulebooks SET content = jsonb_set(content, '{index,indicators,dossier_satisfaction,counter}', '"dossier_ok"')
 WHERE content #> '{index,indicators,dossier_satisfaction}' IS NOT NULL
   AND content #> '{index,indicators,dossier_satisfaction,counter}' IS NULL;
UPDATE rulebooks SET content = jsonb_set(content, '{index,indicators,pakn_satisfaction,counter}', '"pakn_ok"')
 WHERE content #> '{index,indicators,pakn_satisfaction}' IS NOT NULL
   AND content #> '{index,indicators,pakn_satisfaction,counter}' IS NULL;
UPDATE rulebooks SET content = jsonb_set(content, '{index,indicators,online_service_coverage,counter}',
                                         '"procedures_online"')
 WHERE content #> '{index,indicators,online_service_coverage}' IS NOT NULL
   AND content #> '{index,indicators,online_service_coverage,counter}' IS NULL;
